import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.services import user_add_to_translators, user_promote_to_doctor

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A customer whose e-mail is verified, as after a finished signup."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    display_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=True
            )


class DoctorFactory(UserFactory):
    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create:
            user_promote_to_doctor(user=user)


class TranslatorFactory(UserFactory):
    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create:
            user_add_to_translators(user=user)
