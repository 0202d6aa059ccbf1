"""The township solver's steps (internals of :mod:`assignment.plan`).

:mod:`~assignment.solver.township` runs them in order: :mod:`~assignment.solver.repair`'s
presolve, the LP (:mod:`~assignment.solver.lp`, over :mod:`~assignment.solver.highs`), the
Lagrangian bound (:mod:`~assignment.solver.lagrange`, with :mod:`~assignment.solver.knapsack`),
repair (split households solved exactly by :mod:`~assignment.solver.exact`) and ejections, the
packing search (:mod:`~assignment.solver.packing`), then, where a tier-1 household is still
uncovered, the tier-1 stage: the most tier-1 households any plan covers, proven
(:mod:`~assignment.solver.coverage`), and a cheap cover of that many
(:mod:`~assignment.solver.cheapest_cover`), both over the tier-1 model of
:mod:`~assignment.solver.top_model` (CP-SAT through :mod:`~assignment.solver.cpsat`, the one
module that imports it) with the searches of :mod:`~assignment.solver.count_search` and
:mod:`~assignment.solver.cover_lns`; :mod:`~assignment.solver.priority` holds the floor rule
every later step keeps and merges a tier-1 assignment into the plan. Last, where coverage is
proven maximal, the cost bound with that coverage fixed. Shared: the MIP rows
(:mod:`~assignment.solver.rows`) and the options (:mod:`~assignment.solver.options`).
"""
