"""Budgets in USD: daily, monthly and per task, checked before each call.

Spending is read from the database's ledger, so processes sharing a state dir share one
budget. An agent whose expected cost would go over a limit is skipped; a free agent (the
builtin one, a local model) never is.
"""

from __future__ import annotations

import time
from typing import Any

from ..config import BudgetConfig
from ..storage.store import Store, day_and_month


class Budget:
    def __init__(self, config: BudgetConfig, store: Store) -> None:
        self.config = config
        self.store = store

    @property
    def limited(self) -> bool:
        c = self.config
        return c.daily_usd is not None or c.monthly_usd is not None or c.per_task_usd is not None

    def spent(self) -> tuple[float, float]:
        """(today, this month), UTC."""
        day, month = day_and_month(time.time())
        daily = self.store.spent(day=day) if self.config.daily_usd is not None else 0.0
        monthly = self.store.spent(month=month) if self.config.monthly_usd is not None else 0.0
        return daily, monthly

    def blocked(self, expected_usd: float, task_spent: float, spent: tuple[float, float] | None = None) -> str | None:
        """Why a call expected to cost ``expected_usd`` may not be made, or None."""
        if expected_usd <= 0 or not self.limited:
            return None
        c = self.config
        if c.per_task_usd is not None and task_spent + expected_usd > c.per_task_usd:
            return f"budget: per-task {c.per_task_usd:g} USD (spent {task_spent:.4f}, next call ~{expected_usd:.4f})"
        daily, monthly = spent if spent is not None else self.spent()
        if c.daily_usd is not None and daily + expected_usd > c.daily_usd:
            return f"budget: daily {c.daily_usd:g} USD (spent {daily:.4f}, next call ~{expected_usd:.4f})"
        if c.monthly_usd is not None and monthly + expected_usd > c.monthly_usd:
            return f"budget: monthly {c.monthly_usd:g} USD (spent {monthly:.4f}, next call ~{expected_usd:.4f})"
        return None

    def summary(self) -> dict[str, Any]:
        daily, monthly = day_and_month(time.time())
        today, month = self.store.spent(day=daily), self.store.spent(month=monthly)
        c = self.config

        def left(limit: float | None, spent: float) -> float | None:
            return None if limit is None else round(max(0.0, limit - spent), 6)

        return {
            "daily_usd": c.daily_usd, "monthly_usd": c.monthly_usd, "per_task_usd": c.per_task_usd,
            "spent_today_usd": round(today, 6), "spent_this_month_usd": round(month, 6),
            "daily_left_usd": left(c.daily_usd, today), "monthly_left_usd": left(c.monthly_usd, month),
        }
