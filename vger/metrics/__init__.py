"""Pure metric functions: pandas/numpy in, pandas out. No I/O, no clock, no SQL.

Every rule is defined in ``docs/metrics.md``; each module holds one family:

- ``calendar``     weeks (Monday 00:00, team time zone) and fiscal quarters
- ``workdays``     working-day durations (Saturdays and Sundays removed)
- ``percentiles``  the one percentile rule (linear, Hyndman-Fan type 7)
- ``events``       per-issue start, done, outcome, lead time, time in each work state
- ``throughput``   weekly throughput and its 50/80/90 % likelihood lines
- ``variation``    rolling coefficient of variation of weekly throughput
- ``backlog``      cumulative created / completed / abandoned
- ``lead_time``    lead-time percentile lines and the per-work-state breakdown
- ``quarterly``    quarterly throughput and lead time
- ``pulls``        pull-request lead time and volume
- ``flow``         cumulative flow
- ``forecast``     Monte Carlo forecasts
"""
