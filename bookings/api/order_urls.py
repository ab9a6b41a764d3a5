"""Owner booking API URLs (mounted under /api/v1/)."""

from django.urls import path

from bookings.api import extras_views, shop_views
from bookings.api import order_views as views

urlpatterns = [
    path("vehicles/", views.VehicleListCreateApi.as_view(), name="vehicle-list"),
    path("vehicles/<int:pk>/", views.VehicleDetailApi.as_view(), name="vehicle-detail"),
    path("vehicles/<int:pk>/history/", views.VehicleHistoryApi.as_view(), name="vehicle-history"),
    path(
        "vehicles/<int:pk>/health-record/",
        shop_views.VehicleHealthRecordApi.as_view(),
        name="vehicle-health-record",
    ),
    path("bookings/<int:pk>/review/", shop_views.ReviewApi.as_view(), name="booking-review"),
    path("bookings/<int:pk>/complaint/", views.ComplaintApi.as_view(), name="booking-complaint"),
    path("bookings/", views.BookingListCreateApi.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", views.BookingDetailApi.as_view(), name="booking-detail"),
    path(
        "bookings/<int:pk>/additional-work/", extras_views.OwnerExtraListApi.as_view(), name="booking-extras"
    ),
    path(
        "bookings/<int:pk>/additional-work/<int:extra_id>/approve/",
        extras_views.OwnerExtraApproveApi.as_view(),
        name="booking-extra-approve",
    ),
    path(
        "bookings/<int:pk>/additional-work/<int:extra_id>/decline/",
        extras_views.OwnerExtraDeclineApi.as_view(),
        name="booking-extra-decline",
    ),
]
