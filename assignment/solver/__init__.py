"""The township solver's steps (internals of :mod:`assignment.plan`).

:mod:`~assignment.solver.township` runs them in order: :mod:`~assignment.solver.repair`'s
presolve, the LP (:mod:`~assignment.solver.lp`, over :mod:`~assignment.solver.highs`), the
Lagrangian bound (:mod:`~assignment.solver.lagrange`, with :mod:`~assignment.solver.knapsack`),
repair and ejections, the packing search (:mod:`~assignment.solver.packing`) and the exact
tier-1 stage (:mod:`~assignment.solver.priority`, with :mod:`~assignment.solver.exact` and the
CP-SAT core). Options: :mod:`~assignment.solver.options`.
"""
