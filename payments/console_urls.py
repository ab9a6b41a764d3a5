"""Counter page URLs (namespace "counter", under /shop/)."""

from django.urls import path

from payments import console_views as views

app_name = "counter"
urlpatterns = [
    path("redeem/", views.redeem, name="redeem"),
    path("redemptions/<int:pk>/undo/", views.undo, name="undo"),
]
