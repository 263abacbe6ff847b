"""Locale formats that the package corrects for a network of European cities.

Sites use them with ``FORMAT_MODULE_PATH = ["cities_cms.formats"]`` (the reference site does).
Only English needs it: Django's ``en`` formats are the United States' (12/03/2026 means
3 December there, 12 March to everyone else in the network; "2:42 p.m."). The other nine
languages' own formats are already European.
"""
