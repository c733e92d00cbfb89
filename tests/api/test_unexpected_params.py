"""`params.unexpected` answers from sets computed once per allowed list; it must name the
very parameters the walk over every allowed name named (kept here as the oracle)."""

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facturagem.api import params


def old_unexpected(values: Mapping[str, Any], allowed) -> list[str]:
    allowed = set(allowed)
    found: list[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}[{key}]" if prefix else key
            if name in allowed:
                continue
            list_prefix = f"{name}[]"
            if isinstance(value, list) and any(a.startswith(list_prefix + "[") for a in allowed):
                for item in value:
                    if isinstance(item, Mapping):
                        walk(item, list_prefix)
                    else:
                        found.append(name)
                        break
                continue
            if isinstance(value, Mapping) and any(a.startswith(name + "[") for a in allowed):
                walk(value, name)
                continue
            found.append(name)

    walk(values, "")
    return sorted(set(found))


keys = st.sampled_from(["lines", "line", "description", "a", "b", "[", "]", "x[", "", "tax"])
allowed_names = st.lists(
    st.one_of(
        keys,
        st.sampled_from(["lines[][description]", "lines[][quantity]", "a[b]", "a[b][c]",
                         "a[][b][][c]", "x[]", "lines[]", "[[", "a["]),
        st.text(alphabet="ab[]", max_size=8),
    ),
    max_size=8,
)
values = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(keys, values, max_size=4), allowed_names)
def test_unexpected_names_what_the_walk_over_every_allowed_name_named(given_params, allowed):
    assert params.unexpected(given_params, allowed) == old_unexpected(given_params, allowed)


def test_an_invoice_with_lines():
    allowed = ["client_id", "lines[][description]", "lines[][quantity]"]
    sent = {"client_id": 1, "lines": [{"description": "x", "quantity": 1, "price": 2}],
            "other": {"a": 1}}
    assert params.unexpected(sent, allowed) == ["lines[][price]", "other"]
