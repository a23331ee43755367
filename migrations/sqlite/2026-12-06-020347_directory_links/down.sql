DROP TABLE directory_links;
