"""The counter's redeem body: ``redeem_input_fast`` accepts only what ``RedeemInputSerializer``
accepts, with the same data (it skips building the serializer on the hot path)."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from payments.api.counter_serializers import RedeemInputSerializer, redeem_input_fast

TEXTS = st.one_of(
    st.text(max_size=70),
    st.text(alphabet=" \t\n\x00\ud800abc-_ABC123", max_size=70),
    st.text(min_size=195, max_size=205),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)
VALUES = {"code": TEXTS, "request_id": TEXTS, "shop": st.one_of(st.integers(), TEXTS), "other": TEXTS}


@settings(max_examples=500, deadline=None)
@given(body=st.fixed_dictionaries({}, optional=VALUES))
@example(body={"code": " ABCD-EFGH-JKLM ", "request_id": "r-1"})
@example(body={"code": "ABCD", "request_id": "r-1", "shop": 7})
@example(body={"code": "ABCD", "request_id": "r" * 64})
@example(body={"code": "ABCD", "request_id": "r" * 65})
@example(body={"code": "   ", "request_id": "r"})
@example(body={"code": "a\x00b", "request_id": "r"})
@example(body={"code": "a\ud800", "request_id": "r"})
@example(body={"code": "ABCD", "request_id": "r", "shop": True})
@example(body={"code": "ABCD", "request_id": "r", "shop": None})
def test_the_fast_path_accepts_only_what_the_serializer_accepts_with_the_same_data(body):
    fast = redeem_input_fast(body)
    serializer = RedeemInputSerializer(data=body)
    if fast is not None:
        assert serializer.is_valid(), serializer.errors
        assert fast == dict(serializer.validated_data)


def test_a_plain_body_takes_the_fast_path():
    assert redeem_input_fast({"code": " ABCD-EFGH-JKLM ", "request_id": "r-1", "shop": 3}) == {
        "code": "ABCD-EFGH-JKLM",
        "request_id": "r-1",
        "shop": 3,
    }
