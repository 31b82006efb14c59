"""Personal data per person: erasing or anonymising it everywhere on request (Decree
13/2023/NĐ-CP), while the counts reports are built from stay right."""
