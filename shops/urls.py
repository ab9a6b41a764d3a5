"""Shop page URLs: the staff console and the manager's pages under /shop/."""

from django.urls import path

from shops import views

app_name = "shops"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("manage/", views.manage, name="manage"),
    path("apply/", views.apply, name="apply"),
    path("<int:shop_id>/settings/", views.settings_page, name="settings"),
    path("<int:shop_id>/hours/", views.hours_page, name="hours"),
    path("<int:shop_id>/closures/<int:closure_id>/delete/", views.closure_delete, name="closure-delete"),
    path("<int:shop_id>/services/", views.services_page, name="services"),
    path("<int:shop_id>/prices/<int:override_id>/delete/", views.part_price_delete, name="part-price-delete"),
    path("<int:shop_id>/staff/", views.staff_page, name="staff"),
    path("<int:shop_id>/staff/<int:membership_id>/remove/", views.staff_remove, name="staff-remove"),
]
