"""Catalogue API URLs under /api/v1/catalogue/."""

from django.urls import path

from parts.api import views

urlpatterns = [
    path("brands/", views.BrandListApi.as_view(), name="catalogue-brands"),
    path("models/", views.ModelListApi.as_view(), name="catalogue-models"),
    path("variants/", views.VariantListApi.as_view(), name="catalogue-variants"),
    path("vin/<str:vin>/", views.VinApi.as_view(), name="catalogue-vin"),
    path("services/", views.ServiceItemListApi.as_view(), name="catalogue-services"),
    path("packages/", views.PackageListApi.as_view(), name="catalogue-packages"),
]
