from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from ...services import erase_email


class Command(BaseCommand):
    help = (
        "Erase one person's registrations on request: every registration of the email "
        "address is anonymised; confirmed places are freed and offered to the waiting list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The person's email address.")

    def handle(self, *args, email, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not a valid email address: {email!r}") from error
        count = erase_email(email)
        self.stdout.write(f"Erased {count} registrations of {email}.")
