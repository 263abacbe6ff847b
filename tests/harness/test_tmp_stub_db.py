import pytest
from django.contrib.auth.models import User
from django.db import connection


@pytest.mark.django_db
def test_db():
    User.objects.create(username="b")
    print("VENDOR", connection.vendor, connection.settings_dict["NAME"])
