DROP TABLE reset_decoys;
