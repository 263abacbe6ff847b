from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from cities_cms.federation import identity, records


class Command(BaseCommand):
    help = (
        "Replace this instance's federation key. The old key signs a handover to the new one "
        "(served in the descriptor, so approved peers follow), is kept beside the new key as "
        "<file>.retired-<key id>, and every shared document is signed again with the new key."
    )

    def handle(self, *args, **options):
        try:
            old, new, _envelope = identity.rotate_key()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        resigned = records.resign_all(new)
        path = identity.key_path()
        self.stdout.write(f"retired key  {identity.format_fingerprint(old.key_id)}")
        self.stdout.write(f"  kept in    {identity.retired_key_path(path, old.key_id)}")
        self.stdout.write(
            self.style.SUCCESS(f"current key  {identity.format_fingerprint(new.key_id)}")
        )
        self.stdout.write(f"  in         {path}")
        self.stdout.write(f"{resigned} shared documents signed again with the new key.")
