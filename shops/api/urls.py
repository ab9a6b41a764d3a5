"""Shop API URLs under /api/v1/shops/."""

from django.urls import path

from shops.api import views

urlpatterns = [
    path("", views.ShopListApi.as_view(), name="shop-list"),
    path("<int:shop_id>/", views.ShopDetailApi.as_view(), name="shop-detail"),
    path("<int:shop_id>/slots/", views.ShopSlotsApi.as_view(), name="shop-slots"),
]
