-- len, lower, upper and reverse work on bytes.
print(("Hello World"):len(), ("Hello World"):lower(), ("Hello World"):upper())
print(("abc"):reverse(), (""):reverse(), ("a"):reverse(), ("ab\0cd"):reverse() == "dc\0ba")
print(("MiXeD 123 !?"):lower(), ("MiXeD 123 !?"):upper())
print(#("\0\0\0"), ("\200\201"):upper() == "\200\201")
