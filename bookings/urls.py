"""Booking page URLs: the owner's shop search."""

from django.urls import path

from bookings import views

app_name = "bookings"
urlpatterns = [
    path("find/", views.search, name="search"),
]
