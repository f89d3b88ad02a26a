"""MLflow "models from code" definition of a cxml model (used by :func:`cxml.mlflow_model.log_model`).

MLflow copies this file into the logged model and executes it on load: it defines the pyfunc
model and registers it with :func:`mlflow.models.set_model`. Nothing is pickled: the cxml model
directory travels as an artifact (``cxml_model``) and is loaded with :func:`cxml.load`, which
verifies its checksums, when MLflow calls ``load_context``.

Options come from the logged ``model_config``: ``columns`` (column mapping, as for
:func:`cxml.schema.as_tickets`), ``id_column``, ``k_articles`` and ``allow_pickle``.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from cxml.checks import reject_single_string

#: Name of the artifact holding the cxml model directory.
ARTIFACT_KEY = "cxml_model"


class CxmlPyfuncModel(PythonModel):
    """Scores a DataFrame of tickets with :class:`cxml.scoring.Scorer` (one row out per row in)."""

    def load_context(self, context: Any) -> None:
        """Load the cxml model directory shipped as the ``cxml_model`` artifact."""
        from cxml.scoring import Scorer

        config = dict(getattr(context, "model_config", None) or {})
        path = context.artifacts[ARTIFACT_KEY]
        self.scorer = Scorer(path, columns=config.get("columns"), id_column=config.get("id_column", "id"),
                             k_articles=int(config.get("k_articles", 1)),
                             allow_pickle=bool(config.get("allow_pickle", False)))

    # MLflow 3 reads these type hints: DataFrame in, DataFrame out (``Any`` hints draw a warning).
    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
                ) -> pd.DataFrame:
        """Predictions for a DataFrame of tickets (or a list of texts, or records)."""
        if not isinstance(model_input, pd.DataFrame):
            reject_single_string(model_input, "predict()", expected="a DataFrame of tickets or a list of texts")
            values = list(model_input)
            if values and all(isinstance(v, dict) for v in values):
                model_input = pd.DataFrame(values)
            else:
                model_input = pd.DataFrame({"text": values})
        out = self.scorer(model_input)
        # plain object / float columns with None for missing: what every MLflow serving path carries
        for col, dtype in out.dtypes.items():
            if isinstance(dtype, pd.StringDtype):
                values = out[col].astype(object)
                out[col] = values.where(values.notna(), None)
        return out


mlflow.models.set_model(CxmlPyfuncModel())
