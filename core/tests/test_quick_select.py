"""core.forms.QuickSelect writes what Django's Select templates write."""

import pytest
from django import forms

from core.forms import QuickSelect, RequiredSelect

CHOICES = [
    ("", "---------"),
    (1, "Mochi"),
    ("2", 'Tom & "Jerry" <b>'),
    ("Dogs", [("3", "Rex"), ("4", "Fido")]),
    ("<Cats>", [(5, "Kitty")]),
]


@pytest.mark.parametrize("value", [None, "", 1, "2", "4", ["5"]])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "form-select", "required": True, "disabled": False},
        {"data-x": 'a"b<c', "aria-describedby": "id_pet_feedback", "size": 3},
    ],
)
def test_quick_select_renders_what_djangos_select_renders(value, attrs):
    ours = QuickSelect(choices=CHOICES).render("pet", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("pet", value, attrs=attrs)
    assert ours == django


def test_a_model_choice_field_renders_the_same_with_quick_select(db, customer):
    from pets.models import Pet
    from pets.tests.factories import PetFactory

    PetFactory(owner=customer, name="Mochi <3")
    chosen = PetFactory(owner=customer, name="Tom")

    def rendered(widget):
        field = forms.ModelChoiceField(
            Pet.objects.filter(owner=customer), empty_label=None, widget=widget
        )
        form = forms.Form(initial={"pet": chosen.pk})
        form.fields["pet"] = field
        return str(form["pet"])

    class DjangosRequiredSelect(forms.Select):
        use_required_attribute = RequiredSelect.use_required_attribute

    assert rendered(RequiredSelect) == rendered(DjangosRequiredSelect)
    assert "selected>Tom</option>" in rendered(RequiredSelect)


def test_a_select_with_templates_of_its_own_is_rendered_by_them():
    class Own(QuickSelect):
        option_template_name = "django/forms/widgets/input.html"

    assert "<option" not in Own(choices=[("1", "One")]).render("x", "1")
