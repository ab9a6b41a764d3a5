"""Demo catalogue for `make run`: the real reference data shipped in parts/data/."""

from parts.services import catalogue_load


def load() -> list[str]:
    result = catalogue_load()
    return [
        f"catalogue: {result.brands} brands, {result.models} models, {result.variants} variants, "
        f"{result.parts} parts, {result.fitments} fitments, {result.packages} packages"
    ]
