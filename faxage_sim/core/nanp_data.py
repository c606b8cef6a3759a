"""NANP area-code classes drawn from libphonenumber. Generated: do not edit.

Made by `python -m faxage_sim.core.nanp_build --write` with phonenumbers
9.0.43; tests/test_core_nanp.py checks it against the library.
"""

from typing import Final

LIBRARY_VERSION: Final = "9.0.43"
# Area codes by libphonenumber's type of their numbers.
TOLL_FREE_NPAS: Final = tuple((
    '800', '833', '844', '855', '866', '877', '888',
))
# Premium rate, personal numbers, VoIP and the other non-geographic types.
NON_GEOGRAPHIC_NPAS: Final = frozenset((
    '500', '521', '522', '523', '524', '525', '526', '527', '528', '529', '532', '533',
    '544', '566', '577', '588', '600', '622', '633', '900',
))
# NANP area codes of regions other than the US and Canada.
FOREIGN_NPAS: Final = frozenset((
    '242', '246', '264', '268', '284', '340', '345', '441', '473', '649', '658', '664',
    '670', '671', '684', '721', '758', '767', '784', '787', '809', '829', '849', '868',
    '869', '876', '939',
))
