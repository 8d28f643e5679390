from django.core.management.base import BaseCommand
from django.utils import timezone

from reservations.reminders import MAX_FAILURES, REMINDER_WINDOW, reminders_send

HOURS = int(REMINDER_WINDOW.total_seconds() // 3600)


class Command(BaseCommand):
    help = (
        f"E-mail the owner of every confirmed visit starting in the next {HOURS} "
        "hours, once, in the owner's language: each e-mail is handed to the "
        "queue, and the worker delivers it (retrying while the mail server "
        "refuses). A reminder that cannot be handed over is recorded on the visit "
        f"and retried on the next run, up to {MAX_FAILURES} times. The worker runs "
        "this every hour by itself; this command is a manual run. Two runs at "
        "once never send the same reminder (on PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the reminders that would be sent; send and change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        summary = reminders_send(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for visit in summary.sent:
            self._line(verb, visit)
        for visit in summary.failed:
            self._line(
                "Failed",
                visit,
                f"attempt {visit.reminder_failures} of {MAX_FAILURES}, "
                f"retried next run: {visit.reminder_error}",
                style=self.style.WARNING,
            )
        for visit in summary.gave_up:
            self._line(
                "Gave up",
                visit,
                f"failed {visit.reminder_failures} times: {visit.reminder_error}",
                style=self.style.ERROR,
            )
        for visit in summary.skipped:
            reason = (
                f"gave up after {visit.reminder_failures} failures"
                if visit.reminder_failures >= MAX_FAILURES
                else "being sent by another run"
            )
            self._line("Skipped", visit, reason)

        totals = (
            f"{len(summary.sent)} {'to send' if dry_run else 'sent'}, "
            f"{len(summary.failed)} failed, {len(summary.gave_up)} gave up, "
            f"{len(summary.skipped)} skipped."
        )
        if dry_run:
            totals = f"Dry run, nothing sent or changed: {totals}"
        if summary.gave_up:
            style = self.style.ERROR
        elif summary.failed:
            style = self.style.WARNING
        else:
            style = self.style.SUCCESS
        self.stdout.write(style(f"Reminders: {totals}"))

    def _line(self, verb, visit, detail="", *, style=None):
        starts_at = timezone.localtime(visit.slot.starts_at)
        line = (
            f"{verb:<10} visit #{visit.pk} {visit.pet.name} "
            f"{starts_at:%Y-%m-%d %H:%M} <{visit.pet.owner.email}>"
        )
        if detail:
            line += f" ({detail})"
        self.stdout.write(style(line) if style else line)
