"""The fleet transition planner's models and their pipeline.

scenario (YAML → typed) → inputs (sparse sets and coefficients) → formulation
(Pyomo, one module per constraint family) → solver (HiGHS) → results (tidy
tables) → outputs (files). ``optimiser.plan.plan`` runs the whole pipeline;
``optimiser.frlm`` and ``optimiser.depot_sizing`` are the standalone flow
refuelling and depot charging models.
"""
