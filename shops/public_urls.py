"""Public shop page URLs under /shops/."""

from django.urls import path

from shops import views

app_name = "directory"
urlpatterns = [
    path("<slug:slug>/", views.profile, name="shop"),
]
