"""Shop staff API URLs (mounted under /api/v1/shop/)."""

from django.urls import path

from bookings.api import shop_views as views

urlpatterns = [
    path("bookings/", views.ShopBookingListApi.as_view(), name="shop-booking-list"),
    path("bookings/<int:pk>/", views.ShopBookingDetailApi.as_view(), name="shop-booking-detail"),
    path("bookings/<int:pk>/check-in/", views.CheckInApi.as_view(), name="shop-booking-check-in"),
    path("bookings/<int:pk>/steps/", views.StepApi.as_view(), name="shop-booking-steps"),
    path("bookings/<int:pk>/complete/", views.CompleteApi.as_view(), name="shop-booking-complete"),
    path("<int:shop_id>/reviews/<int:pk>/reply/", views.ReviewReplyApi.as_view(), name="shop-review-reply"),
]
