-- The jit table: fields Kong's sandbox exposes, compared by type (their values depend on the build).
print(type(jit), type(jit.os), type(jit.arch), type(jit.version), type(jit.version_num))
print(jit.version:sub(1, 6), jit.version_num >= 20000)
