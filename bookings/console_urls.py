"""Staff console page URLs for orders and reviews (namespace "console", under /shop/)."""

from django.urls import path

from bookings import console_views as views

app_name = "console"
urlpatterns = [
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/check-in/", views.booking_check_in, name="check-in"),
    path("bookings/<int:pk>/steps/", views.booking_step, name="step"),
    path("bookings/<int:pk>/complete/", views.booking_complete, name="complete"),
    path("bookings/<int:pk>/additional-work/", views.booking_extra_create, name="extra-create"),
    path(
        "bookings/<int:pk>/additional-work/<int:extra_id>/withdraw/",
        views.booking_extra_withdraw,
        name="extra-withdraw",
    ),
    path("bookings/<int:pk>/parts-used/", views.booking_part_used, name="part-used"),
    path("bookings/<int:pk>/settlement-list/", views.settlement_list, name="settlement-list"),
    path("<int:shop_id>/reviews/", views.review_list, name="reviews"),
    path("<int:shop_id>/reviews/<int:review_id>/reply/", views.review_reply, name="review-reply"),
]
