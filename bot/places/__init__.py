"""The administrative map since 1 July 2025 (two levels: province, then ward/commune).

One job per module:

- `official`: the wards and communes of a province, with their official codes
  (`vietnam-provinces`);
- `legacy`: the former provinces, districts and wards (before the 2025 arrangement) and
  the old → new mapping, read once from `vietnamadminunits`;
- `former`: the names of a province's former provinces and district-level units;
- `words`: the form typed addresses are compared in (folded words, "P." → phường…);
- `lookup`: an old address → its new ward or commune (`AddressBook`);
- `reverse`: a new ward → the former units it was formed from;
- `match`: picking a unit from a list by what was typed (fuzzy, with or without
  diacritics), helped by the address look-up;
- `bench`: how fast the look-up answers.

Nothing here talks to the network: both libraries ship their data."""
