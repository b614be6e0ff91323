#include <gtest/gtest.h>

#include "core/concurrent_index.hpp"

using namespace sqlmig::core;

TEST(ConcurrentIndex, ReadsTheNameAsStoredAndTheTableAsWritten) {
    const auto i = concurrent_index("CREATE INDEX CONCURRENTLY Items_V ON public.\"Items\" (v)");
    ASSERT_TRUE(i);
    EXPECT_EQ(i->name, "items_v");
    EXPECT_EQ(i->table, "public.\"Items\"");

    const auto q = concurrent_index("create unique index concurrently if not exists \"Odd \"\"Name\" on only t(v)");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->name, "Odd \"Name");
    EXPECT_EQ(q->table, "t");
}

TEST(ConcurrentIndex, SkipsCommentsAndKnowsAnUnnamedIndex) {
    const auto i = concurrent_index("CREATE /* why */ INDEX -- note\n CONCURRENTLY ON s . t USING btree (v)");
    ASSERT_TRUE(i);
    EXPECT_FALSE(i->name);
    EXPECT_EQ(i->table, "s.t");
}

TEST(ConcurrentIndex, OtherStatementsAreNotOne) {
    EXPECT_FALSE(concurrent_index("CREATE INDEX items_v ON items (v)"));
    EXPECT_FALSE(concurrent_index("REINDEX INDEX CONCURRENTLY items_v"));
    EXPECT_FALSE(concurrent_index("DROP INDEX CONCURRENTLY items_v"));
    EXPECT_FALSE(concurrent_index("CREATE INDEX CONCURRENTLY"));
}

TEST(ConcurrentIndex, DropQuotesBothNames) {
    EXPECT_EQ(drop_index_concurrently_sql("public", "Odd \"Name"),
              "DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"Odd \"\"Name\"");
}
