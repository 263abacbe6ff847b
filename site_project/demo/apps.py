from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "site_project.demo"
    label = "demo"
    verbose_name = "Demo content"
