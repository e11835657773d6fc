-- tostring on booleans, nil, numbers near the format's edges.
print(tostring(1e14), tostring(1e15), tostring(1e-5), tostring(0.0001))
print(tostring(123456789012345.6), tostring(-123456789012345.6))
print(tostring(2^63), tostring(-2^63), tostring(2^-20))
