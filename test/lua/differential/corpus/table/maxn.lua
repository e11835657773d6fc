-- table.maxn finds the largest positive numeric key, holes included.
print(table.maxn({}), table.maxn({ 1, 2, 3 }), table.maxn({ [10] = 1, [2] = 2 }))
print(table.maxn({ [1.5] = 1 }), table.maxn({ [-5] = 1 }), table.maxn({ a = 1, [3] = 2 }))
