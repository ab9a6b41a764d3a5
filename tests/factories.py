"""factory_boy factories shared across the suite."""

import factory
from django.conf import settings

from accounts.models import User
from shops.models import Membership, Shop


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")
    role = User.Role.OWNER
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    name = factory.Sequence(lambda n: f"测试门店 {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    status = Shop.Status.ACTIVE
    # West Lake, Hangzhou (GCJ-02); open 08:30-18:00 every day; calendar-independent by default.
    lat = 30.2431
    lng = 120.1507
    bays = 2
    slot_minutes = 60
    observes_public_holidays = False


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    shop = factory.SubFactory(ShopFactory)
    user = factory.SubFactory(UserFactory, role=User.Role.SHOP_STAFF)
    role = Membership.Role.MANAGER
