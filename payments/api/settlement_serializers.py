"""Settlement API input and output shapes."""

from rest_framework import serializers

from payments.settlement.models import Payout, SettlementRun, Statement


class RunStartInputSerializer(serializers.Serializer):
    period_end = serializers.DateField(
        required=False, help_text="Last day of the period; yesterday by default."
    )


class RunOutputSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = SettlementRun
        fields = [
            "id",
            "period_end",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "shops_total",
            "shops_done",
            "statements_created",
            "progress_percent",
            "error",
        ]


class PayoutOutputSerializer(serializers.ModelSerializer):
    shop_name = serializers.CharField(source="shop.name", read_only=True)
    period_end = serializers.DateField(source="statement.period_end", read_only=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "shop",
            "shop_name",
            "statement",
            "period_end",
            "amount",
            "currency",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "paid_at",
        ]


class PayoutActionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["hold", "release", "retry"])


class StatementPayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = ["id", "amount", "currency", "status", "attempts", "paid_at"]


class StatementOutputSerializer(serializers.ModelSerializer):
    payout = StatementPayoutSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "shop",
            "period_start",
            "period_end",
            "redemption_count",
            "gross_amount",
            "commission_amount",
            "subsidy_amount",
            "merchant_amount",
            "penalty_amount",
            "opening_amount",
            "net_amount",
            "currency",
            "payout",
        ]


class CommissionRowSerializer(serializers.Serializer):
    shop = serializers.IntegerField(source="statement.shop_id")
    shop_name = serializers.CharField(source="statement.shop.name")
    period_start = serializers.DateField(source="statement.period_start")
    period_end = serializers.DateField(source="statement.period_end")
    redemption_count = serializers.IntegerField(source="statement.redemption_count")
    gross_amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="statement.gross_amount")
    commission_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="statement.commission_amount"
    )
    subsidy_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="statement.subsidy_amount"
    )
    penalty_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="statement.penalty_amount"
    )
    net_amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="statement.net_amount")
    ledger_merchant_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="ledger_merchant"
    )
    ledger_commission_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="ledger_commission"
    )
    ledger_penalty_amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="ledger_penalty")
    payout_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payout_status = serializers.CharField()
    difference = serializers.SerializerMethodField()

    def get_difference(self, row) -> str:
        return str(row.difference + row.payout_difference)


class CommissionsOutputSerializer(serializers.Serializer):
    period_end = serializers.DateField()
    difference = serializers.DecimalField(max_digits=14, decimal_places=2)
    commission_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    rows = CommissionRowSerializer(many=True)
