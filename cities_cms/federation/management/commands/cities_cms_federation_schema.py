from django.core.management.base import BaseCommand, CommandError

from cities_cms.federation.schema import docs, jsonschema


class Command(BaseCommand):
    help = (
        "Write the federation protocol's JSON Schema (generated from the wire models and the "
        "block library) to the package file that /federation/schema.json serves, and the "
        "schema tables of docs/federation.md when run in the repository. --check only "
        "compares (exit status 1 when a file is out of date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare, do not write.")

    def handle(self, *args, **options):
        schema = jsonschema.build()
        generated = jsonschema.dumps(schema)
        spec = docs.SPEC.read_text("utf-8") if docs.SPEC.exists() else None
        if options["check"]:
            stale = []
            if jsonschema.published() != generated:
                stale.append(str(jsonschema.SCHEMA_FILE))
            if spec is not None and docs.spec_section(spec) != docs.tables(schema):
                stale.append(str(docs.SPEC))
            if stale:
                raise CommandError(
                    f"Out of date: {', '.join(stale)}. Run manage.py "
                    "cities_cms_federation_schema and commit the files."
                )
            self.stdout.write("The published schema and the spec's tables are up to date.")
            return
        jsonschema.SCHEMA_FILE.write_text(generated, "utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {jsonschema.SCHEMA_FILE}."))
        if spec is not None:
            docs.SPEC.write_text(docs.rewrite_spec(spec, schema), "utf-8")
            self.stdout.write(self.style.SUCCESS(f"Rewrote the schema tables of {docs.SPEC}."))
