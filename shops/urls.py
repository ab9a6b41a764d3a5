"""Shop page URLs."""

from django.urls import path

from shops import views

app_name = "shops"
urlpatterns = [
    path("console/", views.console, name="console"),
]
