-- A '(' starting a line after an expression is refused as ambiguous (function call x new statement).
local f = print
(f)("never runs")
