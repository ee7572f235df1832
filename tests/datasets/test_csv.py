"""CSVDataset on good and bad files: columns, label kinds, and errors that say where to look."""

import pytest

import edutorch
from edutorch.datasets import CSVDataset, CSVError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


IRIS = "length,width,species\n1.0,2.0,setosa\n3,4,virginica\n5,6e0,setosa\n"


def test_categorical_labels_become_class_indices(tmp_path):
    ds = CSVDataset(write(tmp_path, IRIS), label_column="species")
    assert len(ds) == 3 and ds.classes == ["setosa", "virginica"]
    assert ds.class_to_idx == {"setosa": 0, "virginica": 1}
    assert ds.feature_names == ["length", "width"] and ds.label_name == "species"
    x, y = ds[1]
    assert x.tolist() == [3.0, 4.0] and x.dtype == edutorch.float32
    assert y.item() == 1 and y.shape == () and y.dtype == edutorch.int64
    assert ds.data.shape == (3, 2) and ds.targets.tolist() == [0, 1, 0]


def test_numeric_labels_are_regression_targets(tmp_path):
    ds = CSVDataset(write(tmp_path, "a;b;price\n1;2;10.5\n3;4;-2\n"), delimiter=";")
    assert ds.classes is None
    x, y = ds[0]
    assert y.shape == (1,) and y.dtype == edutorch.float32 and y.tolist() == [10.5]


def test_numeric_labels_declared_categorical_sort_as_numbers(tmp_path):
    ds = CSVDataset(write(tmp_path, "x,grade\n1,10\n2,2\n3,1\n4,2\n"), categorical=True)
    assert ds.classes == ["1", "2", "10"]
    assert ds.targets.tolist() == [2, 1, 0, 1] and ds.targets.dtype == edutorch.int64


def test_choose_feature_columns_by_name_or_index(tmp_path):
    path = write(tmp_path, "id,a,b,c,label\n7,1,2,3,x\n8,4,5,6,y\n")
    ds = CSVDataset(path, feature_columns=["c", "a"], label_column="label")
    assert ds[0][0].tolist() == [3.0, 1.0] and ds.feature_names == ["c", "a"]
    ds = CSVDataset(path, feature_columns=[1, 2], label_column=-1)
    assert ds[1][0].tolist() == [4.0, 5.0]


def test_no_header_uses_indices(tmp_path):
    ds = CSVDataset(write(tmp_path, "1,2,0\n3,4,1\n"), header=False, categorical=True)
    assert ds.data.tolist() == [[1.0, 2.0], [3.0, 4.0]] and ds.classes == ["0", "1"]


def test_blank_lines_spaces_and_a_byte_order_mark_are_fine(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa, b ,label\n 1 , 2 , yes \n\n3,4,no\n".encode())
    ds = CSVDataset(path)
    assert ds.feature_names == ["a", "b"] and ds.classes == ["no", "yes"] and len(ds) == 2


def test_split_works_like_the_generated_sets(tmp_path):
    rows = "".join(f"{i},{i * 2},{i % 3}\n" for i in range(20))
    train, test = CSVDataset(write(tmp_path, "a,b,y\n" + rows)).split(0.25)
    assert (len(train), len(test)) == (15, 5)


def test_missing_column_names_it_and_lists_the_columns(tmp_path):
    with pytest.raises(CSVError) as e:
        CSVDataset(write(tmp_path, IRIS), label_column="label")
    msg = str(e.value)
    assert "'label'" in msg and "'length', 'width', 'species'" in msg and "data.csv" in msg
    with pytest.raises(CSVError, match="no column named 'hight'"):
        CSVDataset(write(tmp_path, IRIS), feature_columns=["hight"], label_column="species")
    with pytest.raises(CSVError, match="column index 5 is out of range"):
        CSVDataset(write(tmp_path, IRIS), label_column=5)


def test_non_numeric_value_names_file_row_column_and_value(tmp_path):
    text = "length,width,species\n1,2,a\n3,4,b\n\n5,six,a\n"
    with pytest.raises(CSVError) as e:
        CSVDataset(write(tmp_path, text, "flowers.csv"))
    msg = str(e.value)
    # row 5 is the line a text editor or spreadsheet shows (header = row 1, the blank line counts)
    assert "flowers.csv" in msg and "row 5" in msg and "column 'width'" in msg and "'six'" in msg


def test_empty_value_is_reported(tmp_path):
    with pytest.raises(CSVError, match=r"row 3, column 'b': the value is empty"):
        CSVDataset(write(tmp_path, "a,b,y\n1,2,0\n3,,1\n"))


def test_text_labels_declared_numeric(tmp_path):
    with pytest.raises(CSVError, match=r"row 2, column 'species': 'setosa' is not a number"):
        CSVDataset(write(tmp_path, IRIS), categorical=False)


def test_header_row_read_as_data_gets_a_hint(tmp_path):
    with pytest.raises(CSVError, match="row 1.*header=True"):
        CSVDataset(write(tmp_path, IRIS), header=False)


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(CSVError, match="empty"):
        CSVDataset(write(tmp_path, ""))
    with pytest.raises(CSVError, match="empty"):
        CSVDataset(write(tmp_path, "\n\n  \n"))
    with pytest.raises(CSVError, match="no data rows"):
        CSVDataset(write(tmp_path, "a,b,label\n"))


def test_ragged_row(tmp_path):
    with pytest.raises(CSVError, match=r"row 3: 2 values, but the header has 3 columns"):
        CSVDataset(write(tmp_path, "a,b,y\n1,2,0\n3,4\n"))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.csv"):
        CSVDataset(tmp_path / "nothing.csv")
