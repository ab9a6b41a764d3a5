"""Catalogue pages: the car picker, VIN look-up, a variant with its packages, the parts browser."""

from django.urls import path

from parts import views

app_name = "parts"
urlpatterns = [
    path("", views.picker, name="picker"),
    path("vin/", views.vin, name="vin"),
    path("variants/<int:pk>/", views.variant_detail, name="variant"),
    path("variants/<int:pk>/quote/", views.variant_quote, name="quote"),
    path("parts/", views.part_browser, name="parts"),
]
