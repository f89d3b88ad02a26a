"""Constructor parameters declared once and shared: :class:`TicketClassifier`'s signature is the
single declaration; :class:`PriorityClassifier` (other defaults) and :class:`Triage` (one more
leading parameter, a few left out) derive theirs from it.

Internal module of :mod:`cxml.triage`. A derived ``__init__`` carries an explicit
``__signature__``, so ``inspect.signature``, scikit-learn's ``get_params`` / ``set_params`` /
``clone`` and IDEs see the real parameter list; it only stores the parameters (the estimator
contract).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["derived_init", "shared_params"]


def derived_init(base_init: Callable[..., None], *, leading: Sequence[inspect.Parameter] = (),
                 drop: Sequence[str] = (), defaults: dict[str, Any] | None = None) -> Callable[..., None]:
    """An ``__init__`` that stores the keyword parameters of ``base_init`` as attributes.

    Parameters
    ----------
    base_init : callable
        The ``__init__`` whose keyword-only parameters are shared.
    leading : sequence of inspect.Parameter
        Positional-or-keyword parameters placed before them (e.g. Triage's ``targets``).
    drop : sequence of str
        Base parameters the derived class does not take.
    defaults : dict, optional
        Base parameters whose default differs in the derived class.

    Returns
    -------
    callable
        The ``__init__``, with its ``__signature__`` set.
    """
    defaults = dict(defaults or {})
    base = inspect.signature(base_init)
    unknown = (set(defaults) | set(drop)) - set(base.parameters)
    if unknown:
        raise TypeError(f"derived_init: {sorted(unknown)} are not parameters of {base_init.__qualname__}")
    params = [base.parameters["self"], *leading]
    for name, p in base.parameters.items():
        if name == "self" or name in drop:
            continue
        params.append(p.replace(default=defaults[name]) if name in defaults else p)
    signature = inspect.Signature(params, return_annotation=None)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__doc__ = f"Store the parameters (see the class docstring); derived from {base_init.__qualname__}."
    return __init__


def shared_params(source: Any, target_cls: type) -> dict[str, Any]:
    """The parameters of ``source`` (an estimator) that ``target_cls``'s constructor also takes."""
    names = inspect.signature(target_cls.__init__).parameters
    return {name: value for name, value in source.get_params(deep=False).items() if name in names}
