from django.core.management.base import BaseCommand
from django.utils import timezone

from pets.record.reminders import reminders_plan, reminders_send


class Command(BaseCommand):
    help = (
        "Send today's care reminders (vaccinations, parasite treatments): a "
        "notice 4 weeks before a dose falls due, one on the day and one 2 weeks "
        "overdue, each once, at most one e-mail a day per household, in the "
        "owner's language, from 09:00 local time. The worker runs this every "
        "hour by itself; this command is a manual run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the notices that would be sent; send and change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            plan = reminders_plan(timezone.localdate())
            for owner, dues in plan.items():
                for due in dues:
                    self.stdout.write(
                        f"Would send {due.stage} notice to {owner.email}: "
                        f"{due.dose.pet.name}, {due.dose.item.name}, "
                        f"due {due.dose.next_due:%Y-%m-%d}"
                    )
            notices = sum(len(dues) for dues in plan.values())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {notices} notices to {len(plan)} households."
                )
            )
            return
        summary = reminders_send()
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary['notices']} notices sent to {summary['households']} "
                f"households, {summary['failed']} failed (retried next run)."
            )
        )
