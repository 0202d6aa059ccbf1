"""visit-planner: the application package.

It composes the libraries ``risk_model`` (household risk tiers) and ``assignment`` (pairing
households with workers) with what an application needs around them: the policy, the input
data contracts, the synthetic Wenshan prefecture, the workspace and the ``visit-planner`` CLI.
"""

__version__ = "0.1.0"
