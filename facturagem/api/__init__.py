"""The FACTURAgem v1 wire contract (shared/CONTRACT.md §1–5), written once.

Resources declare a name, their serializers and filters; everything on the wire —
format suffixes, Rails XML, parameter wrapping and strict checking, links, pagination,
error bodies — lives in this package.
"""
