import pytest
from django.core.management import call_command

from consultation.demo import DEMO_THREADS
from consultation.models import Message, SystemEvent, Thread, ThreadState


@pytest.mark.django_db
def test_seed_demo_adds_threads_in_both_languages_once(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    assert Thread.objects.count() == len(DEMO_THREADS)
    xiaoming = Thread.objects.get(customer__username="xiaoming")
    assert xiaoming.pet.name == "团子"
    assert xiaoming.messages.filter(urgent=True).exists()
    assert xiaoming.messages.filter(sender__username="dr_chen").exists()
    assert Thread.objects.filter(
        customer__username="alice", state=ThreadState.CLOSED
    ).exists()
    assert "Kept    thread 团子一天没吃东西了 of xiaoming" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_dry_run_writes_no_thread(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo", "--dry-run")

    assert not Thread.objects.exists()
    assert "Would create thread Mochi's vaccinations of alice" in (
        capsys.readouterr().out
    )


@pytest.mark.django_db
def test_demo_threads_carry_no_no_doctor_notice(settings, capsys, no_doctor_online):
    settings.DEBUG = True
    call_command("seed_demo")
    assert Message.objects.exists()
    assert not Message.objects.filter(event=SystemEvent.NO_DOCTOR).exists()
