"""Owner booking API URLs (mounted under /api/v1/)."""

from django.urls import path

from bookings.api import order_views as views

urlpatterns = [
    path("vehicles/", views.VehicleListCreateApi.as_view(), name="vehicle-list"),
    path("vehicles/<int:pk>/", views.VehicleDetailApi.as_view(), name="vehicle-detail"),
    path("vehicles/<int:pk>/history/", views.VehicleHistoryApi.as_view(), name="vehicle-history"),
    path("bookings/", views.BookingListCreateApi.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", views.BookingDetailApi.as_view(), name="booking-detail"),
]
