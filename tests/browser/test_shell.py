"""The page shell in a real browser at phone width: sign up, log out, log in, switch language."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_menu(page):
    page.locator("details.menu > summary").click()


def test_owner_signs_up_logs_in_and_switches_language(phone_page, screenshot):
    page = phone_page
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "明码标价的汽车保养，一分钟预约"

    # sign up
    page.get_by_role("link", name="注册成为车主").click()
    page.get_by_label("用户名").fill("liuyang")
    page.get_by_label("手机号").fill("13588886666")
    page.locator("#id_password1").fill("Str0ng-pass-2026")
    page.locator("#id_password2").fill("Str0ng-pass-2026")
    page.get_by_role("button", name="注册").click()
    assert page.locator(".msg-success").inner_text() == "欢迎！您的账户已创建。"
    assert User.objects.get(username="liuyang").role == User.Role.OWNER

    # log out, then log in again
    _open_menu(page)
    page.get_by_test_id("logout").click()
    _open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("liuyang")
    page.get_by_label("密码").fill("Str0ng-pass-2026")
    page.get_by_role("button", name="登录").click()
    _open_menu(page)
    assert page.get_by_test_id("logout").inner_text() == "退出 (liuyang)"
    _open_menu(page)

    # switch language
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Car maintenance with clear prices, booked in a minute"

    # phone width: nothing overflows sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    path = screenshot(page, "shell-phone-en")
    assert path.stat().st_size > 10_000
