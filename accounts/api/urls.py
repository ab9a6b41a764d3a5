"""Account API URLs under /api/v1/auth/."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("register/", views.RegisterApi.as_view(), name="auth-register"),
    path("token/", views.TokenApi.as_view(), name="auth-token"),
]
