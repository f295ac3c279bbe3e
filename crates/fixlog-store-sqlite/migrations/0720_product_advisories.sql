-- Which advisories ever named which product line: every release publish asks for the current
-- revision of each advisory naming its line. Through entry_products that visited every entry
-- of the line, and without statistics on entries PostgreSQL hashed a sequential scan of the
-- whole log per publish (bench/scale.sh: 126 appends/s at 40k entries). Insert-only, like the
-- other look-up tables, written in the append transaction.
CREATE TABLE product_advisories (
    product  TEXT NOT NULL,
    advisory TEXT NOT NULL,
    PRIMARY KEY (product, advisory)
) WITHOUT ROWID;
INSERT INTO product_advisories (product, advisory)
    SELECT DISTINCT p.product, e.advisory FROM entries e JOIN entry_products p ON p.seq = e.seq
    WHERE e.advisory IS NOT NULL;
