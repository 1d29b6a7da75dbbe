"""Levels above the county: province (省) and city (市/地区), both optional.

Codes are GB/T 2260: a province is ``xx0000``, a city ``xxxx00`` (but not ``xx0000``), a county any
other 6 digits. A county's parent is its city or its province (Beijing's districts hang from the
province), or none: a deployment whose top is a county keeps it without parent. A unit's
*prefix* (``gs_unit_prefix``) is the part of its code its descendants share: a province's first 2
digits, a city's first 4, every other unit's whole code; incidents are counted by it.
``gs_finest_unit`` ranks units by level rather than by code length, since a province, a city and a
county all have 6-digit codes.

Revision ID: 0013_levels
Revises: 0012
"""

from alembic import op

revision = "0013_levels"
down_revision = "0013_limits"
branch_labels = None
depends_on = None

_RANK = "array_position(ARRAY['village', 'township', 'county', 'city', 'province'], a.level)"


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE admin_unit DROP CONSTRAINT admin_unit_level_check;
ALTER TABLE admin_unit ADD CONSTRAINT admin_unit_level_check
    CHECK (level IN ('province', 'city', 'county', 'township', 'village'));
ALTER TABLE admin_unit DROP CONSTRAINT admin_unit_code_fits_level;
ALTER TABLE admin_unit ADD CONSTRAINT admin_unit_code_fits_level CHECK (
    (level = 'province' AND code ~ '^[0-9]{{2}}0000$' AND parent_code IS NULL)
    OR (level = 'city' AND code ~ '^[0-9]{{4}}00$' AND code !~ '0000$'
        AND (parent_code IS NULL OR parent_code = left(code, 2) || '0000'))
    OR (level = 'county' AND code ~ '^[0-9]{{6}}$' AND code !~ '00$'
        AND (parent_code IS NULL
             OR parent_code IN (left(code, 2) || '0000', left(code, 4) || '00')))
    OR (level = 'township' AND code ~ '^[0-9]{{9}}$' AND parent_code = left(code, 6))
    OR (level = 'village' AND code ~ '^[0-9]{{12}}$' AND parent_code = left(code, 9))
);
ALTER TABLE unit_coverage DROP CONSTRAINT unit_coverage_level_check;
ALTER TABLE unit_coverage ADD CONSTRAINT unit_coverage_level_check
    CHECK (level IN ('province', 'city', 'county', 'township', 'village', 'grid'));

CREATE FUNCTION gs_unit_prefix(code text, level text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE level WHEN 'province' THEN left(code, 2) WHEN 'city' THEN left(code, 4)
                      ELSE code END
$$;

CREATE OR REPLACE FUNCTION gs_finest_unit(g geometry) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT c.code FROM grid_cell c WHERE ST_Intersects(c.geom, g) ORDER BY c.code LIMIT 1),
        (SELECT a.code FROM admin_unit a WHERE ST_Intersects(a.geom, g)
         ORDER BY {_RANK}, a.code LIMIT 1))
$$;
""")  # noqa: S608 (the migration's constant SQL)


def downgrade() -> None:
    op.execute("""
DROP FUNCTION gs_unit_prefix(text, text);
ALTER TABLE unit_coverage DROP CONSTRAINT unit_coverage_level_check;
ALTER TABLE unit_coverage ADD CONSTRAINT unit_coverage_level_check
    CHECK (level IN ('county', 'township', 'village', 'grid'));
ALTER TABLE admin_unit DROP CONSTRAINT admin_unit_code_fits_level;
ALTER TABLE admin_unit ADD CONSTRAINT admin_unit_code_fits_level CHECK (
    (level = 'county' AND code ~ '^[0-9]{6}$' AND parent_code IS NULL)
    OR (level = 'township' AND code ~ '^[0-9]{9}$' AND parent_code = left(code, 6))
    OR (level = 'village' AND code ~ '^[0-9]{12}$' AND parent_code = left(code, 9))
);
ALTER TABLE admin_unit DROP CONSTRAINT admin_unit_level_check;
ALTER TABLE admin_unit ADD CONSTRAINT admin_unit_level_check
    CHECK (level IN ('county', 'township', 'village'));
""")
