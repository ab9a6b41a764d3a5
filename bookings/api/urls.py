"""Quote API URLs under /api/v1/quotes/."""

from django.urls import path

from bookings.api import views

urlpatterns = [
    path("", views.QuoteApi.as_view(), name="quote"),
]
