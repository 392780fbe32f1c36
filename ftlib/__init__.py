"""ftlib: the engine behind the fine-tuning studio. No Streamlit in here; pages only draw.

Data flows one way: file -> data (canonical rows) -> templates + tokens (ids, labels, per-token records)
-> batching -> training (run directory) -> sampling / evaluate.
"""

__version__ = "0.1.0"
