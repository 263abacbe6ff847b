"""Federation endpoints without a language prefix (included by cities_cms.urls)."""

from django.urls import path

from . import members, push, relay, views

urlpatterns = [
    path(".well-known/cities-cms.json", views.descriptor, name="federation_descriptor"),
    path("federation/feed/", views.feed, name="federation_feed"),
    path("federation/inbox/", push.inbox, name="federation_inbox"),
    path("federation/members/", members.member_list, name="federation_members"),
    path("federation/relay/", relay.relay_feed, name="federation_relay"),
    path("federation/schema.json", views.schema, name="federation_schema"),
]
