-- Numbers in concatenation use %.14g, so large integers become exponents.
print(123456789012345 .. "", 2^53 .. "", 1e14 .. "", 99999999999999 .. "")
print(0.1 + 0.2 .. "", 100 / 3 .. "")
